#include "parley/storage/prepared.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

namespace parley::storage {

namespace {

std::vector<const Prepared*>& registry() {
  static std::vector<const Prepared*> all;  // filled during static initialization, read-only afterwards
  return all;
}

}  // namespace

Prepared::Prepared(const char* name, const char* sql) : name_(name), sql_(sql) {
  for (const auto* p : registry()) {
    if (std::strcmp(p->name(), name) == 0) {  // a programming error: fail at startup, not at the first query
      std::fprintf(stderr, "parley: prepared statement %s defined twice\n", name);
      std::abort();
    }
  }
  registry().push_back(this);
}

void Prepared::throw_unexpected_rows(std::size_t got) const {
  throw pqxx::unexpected_rows(std::string("expected 1 row from ") + name_ + ", got " + std::to_string(got));
}

std::optional<std::string> optional_text(const pqxx::field& f) {
  if (f.is_null()) return std::nullopt;
  return std::string(f.c_str(), f.size());
}

const std::vector<const Prepared*>& prepared_statements() { return registry(); }

void prepare_statements(pqxx::connection& c) {
  for (const auto* p : registry()) c.prepare(p->name(), p->sql());
}

}  // namespace parley::storage
