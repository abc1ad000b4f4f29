# Every dependency comes from a Debian package (see scripts/lib/packages.sh).
set(THREADS_PREFER_PTHREAD_FLAG ON)
find_package(Threads REQUIRED)
find_package(Boost 1.81 REQUIRED)
find_package(OpenSSL REQUIRED)
find_package(nlohmann_json 3 REQUIRED)
find_package(spdlog REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(PQXX REQUIRED IMPORTED_TARGET libpqxx)
pkg_check_modules(HIREDIS REQUIRED IMPORTED_TARGET hiredis)

add_library(parley_deps INTERFACE)
target_link_libraries(parley_deps INTERFACE
  nlohmann_json::nlohmann_json spdlog::spdlog PkgConfig::PQXX PkgConfig::HIREDIS
  OpenSSL::SSL OpenSSL::Crypto Threads::Threads)
