#pragma once
// migrations/NNNN_name.sql compiled into the binary (cmake/EmbedMigrations.cmake).
#include <string>
#include <vector>

namespace parley::storage {

struct EmbeddedMigration {
  std::string version;  // file name without .sql, e.g. "0001_apps"
  std::string sql;
};

/// Sorted by version.
const std::vector<EmbeddedMigration>& embedded_migrations();

}  // namespace parley::storage
