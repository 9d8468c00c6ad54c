# The solutions tree's addon: the frame + solutions/*.cc -> fdlab_solutions.node
{
  'includes': ['../../common.gypi'],
  'targets': [{
    'target_name': 'fdlab_solutions',
    'defines': ['FDLAB_TREE="solutions"'],
    'sources': [
      '../../../solutions/01-socketpair/socketpair.cc',
      '../../../solutions/03-sendmsg/sendmsg.cc',
      '../../../solutions/04-recvmsg/recvmsg.cc',
    ],
  }],
}
