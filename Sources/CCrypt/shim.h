// libcrypt (libxcrypt on Debian): yescrypt, SHA-crypt and bcrypt password hashing.
#include <crypt.h>
