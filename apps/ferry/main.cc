#include "base/log.hpp"
int main() { return 0; }
