# The labs tree's addon: the frame + labs/*.cc (the learner's code) -> fdlab_labs.node
{
  'includes': ['../../common.gypi'],
  'targets': [{
    'target_name': 'fdlab_labs',
    'defines': ['FDLAB_TREE="labs"'],
    'sources': [
      '../../../labs/01-socketpair/socketpair.cc',
      '../../../labs/03-sendmsg/sendmsg.cc',
      '../../../labs/04-recvmsg/recvmsg.cc',
    ],
  }],
}
