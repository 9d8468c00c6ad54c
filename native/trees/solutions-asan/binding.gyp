# The solutions tree's addon built with AddressSanitizer and UBSan, for
# `make asan` (reliability/asan.ts): the frame + solutions/*.cc ->
# build/Release/fdlab_solutions.node here, in a build folder of its own so
# the normal solutions build and its objects are never touched. Loaded when
# FDLAB_ADDON_VARIANT=asan (native/binding.ts), under LD_PRELOAD=libasan.so.
# vptr checks need RTTI, which node-gyp turns off.
{
  'variables': {'tree_dir': '../../../solutions'},
  'includes': ['../../common.gypi'],
  'targets': [{
    'target_name': 'fdlab_solutions',
    'defines': ['FDLAB_TREE="solutions"'],
    'cflags_cc': ['-O1', '-g', '-fno-omit-frame-pointer',
                  '-fsanitize=address,undefined', '-fno-sanitize=vptr'],
    'ldflags': ['-fsanitize=address,undefined'],
  }],
}
