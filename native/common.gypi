# common.gypi: the addon frame and the lab files, shared by every tree's
# build. native/trees/<name>/binding.gyp sets `tree_dir` (the tree's folder,
# relative to that binding.gyp) and includes this; each tree builds in its
# own folder, so a compile error in labs/ never touches the solutions build.
# The lab files and their functions come from one table,
# native/lab-functions.json (read through lab-functions.cjs), which
# kit/build.ts reads too.
{
  'target_defaults': {
    'sources': [
      '<!@(node ../../lab-functions.cjs sources <(tree_dir))',
      'frame/addon.cc',
      'frame/args.cc',
      'frame/crash_reporter.cc',
      'frame/errno_error.cc',
      'frame/fd_flags.cc',
      'frame/lab_call.cc',
      'frame/peer_credentials.cc',
      'frame/poll_watcher.cc',
      'frame/pty_calls.cc',
      'frame/socket_calls.cc',
      'frame/wait_sync.cc',
    ],
    # node-addon-api's headers, with C++ exceptions on (what its
    # node_addon_api_except target sets). Not that target itself: gyp writes
    # a dependency's makefiles next to it, outside our build folder, and
    # they would be left behind in node_modules or a temp dir.
    'include_dirs': ["<!(node -p \"require('node-addon-api').include_dir\")"],
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions'],
    # A Worker being terminated can no longer run JavaScript, so an error
    # thrown to it cannot be thrown: without this, node-addon-api turns that
    # into a C++ exception nothing catches, and the whole process aborts.
    # FDLAB_FILE_<function> (from the table): each lab function's file, for
    # frame/lab_call.h.
    'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS',
                '<!@(node ../../lab-functions.cjs defines)'],
    'cflags_cc': ['-std=c++17', '-Wall', '-Wextra', '-fvisibility=hidden'],
  },
}
