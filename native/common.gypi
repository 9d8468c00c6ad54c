# common.gypi: the addon frame and the list of lab files, shared by every
# tree's build. native/trees/<name>/binding.gyp sets `tree_dir` (the tree's
# folder, relative to that binding.gyp) and includes this; each tree builds
# in its own folder, so a compile error in labs/ never touches the
# solutions build.
{
  'target_defaults': {
    'sources': [
      '<(tree_dir)/01-socketpair/socketpair.cc',
      '<(tree_dir)/03-sendmsg/sendmsg.cc',
      '<(tree_dir)/04-recvmsg/recvmsg.cc',
      '<(tree_dir)/07-peercred/peercred.cc',
      '<(tree_dir)/08-cloexec/cloexec.cc',
      '<(tree_dir)/10-console/pty.cc',
      'frame/addon.cc',
      'frame/args.cc',
      'frame/errno_error.cc',
      'frame/fd_flags.cc',
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
    'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
    'cflags_cc': ['-std=c++17', '-Wall', '-Wextra', '-fvisibility=hidden'],
  },
}
