// ferry-broker-test-server: Ferry's broker as its own process for the compatibility tests.
// Same arguments as `ferry broker` (a properties file and/or --override key=value); prints
// "Ferry broker started: bootstrap.servers=host:port" once it accepts connections, and stops
// cleanly on SIGINT/SIGTERM. Tests start it with listeners=PLAINTEXT://127.0.0.1:0 and read the
// port from that line.

#include "base/log.hpp"
#include "broker/broker.hpp"

#include <string>
#include <vector>

int main(int argc, char** argv) {
    ferry::log::init();
    std::vector<std::string> args(argv + 1, argv + argc);
    return ferry::broker::broker_main(args);
}
