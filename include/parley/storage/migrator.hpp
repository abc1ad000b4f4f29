#pragma once
// Applies migrations in order, each exactly once, under a PostgreSQL advisory
// lock so that several nodes starting together never apply one twice.
#include "parley/storage/embedded_migrations.hpp"

#include <string>
#include <vector>

namespace parley::storage {

/// Blocking; call from a command or before the io threads start. Returns the versions it applied.
std::vector<std::string> apply_migrations(const std::string& database_url,
                                          const std::vector<EmbeddedMigration>& migrations = embedded_migrations());

}  // namespace parley::storage
