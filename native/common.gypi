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
    'dependencies': [
      "<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except",
    ],
    # A Worker being terminated can no longer run JavaScript, so an error
    # thrown to it cannot be thrown: without this, node-addon-api turns that
    # into a C++ exception nothing catches, and the whole process aborts.
    'defines': ['NAPI_VERSION=8', 'NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS'],
    'cflags_cc': ['-std=c++17', '-Wall', '-Wextra', '-fvisibility=hidden'],
  },
}
