# The labs tree's addon: the frame + labs/*.cc (the learner's code) -> fdlab_labs.node
{
  'variables': {'tree_dir': '../../../labs'},
  'includes': ['../../common.gypi'],
  'targets': [{
    'target_name': 'fdlab_labs',
    'defines': ['FDLAB_TREE="labs"'],
  }],
}
