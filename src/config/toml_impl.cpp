// toml++'s implementation, compiled into tcptune when TCPTUNE_STATIC_RUNTIME is ON
// (CMakeLists.txt); otherwise tcptune links Debian's libtomlplusplus and this file is empty.
#ifdef TCPTUNE_TOML_COMPILED_IN
#define TOML_IMPLEMENTATION
#include <toml++/toml.h>
#endif
