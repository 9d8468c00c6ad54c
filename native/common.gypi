# common.gypi: the addon frame, shared by both trees' builds.
# native/trees/<tree>/binding.gyp includes this and adds that tree's lab files;
# each tree builds in its own folder, so a compile error in labs/ never
# touches the solutions build.
{
  'target_defaults': {
    'sources': [
      'frame/addon.cc',
      'frame/args.cc',
      'frame/errno_error.cc',
      'frame/peer_credentials.cc',
      'frame/poll_watcher.cc',
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
