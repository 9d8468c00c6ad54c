# The solutions tree's addon: the frame + solutions/*.cc -> fdlab_solutions.node
{
  'variables': {'tree_dir': '../../../solutions'},
  'includes': ['../../common.gypi'],
  'targets': [{
    'target_name': 'fdlab_solutions',
    'defines': ['FDLAB_TREE="solutions"'],
  }],
}
