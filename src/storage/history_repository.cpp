#include "parley/storage/history_repository.hpp"

#include "parley/storage/statements.hpp"

#include <pqxx/pqxx>

#include <algorithm>
#include <limits>

namespace parley::storage {

namespace {
constexpr int kMessageFirst = 2;  // ch.pk, the reader's role, then the 17 message columns
constexpr int kReactionCounts = kMessageFirst + 17;
constexpr int kOwnReactions = kReactionCounts + 1;
}  // namespace

std::optional<HistoryPage> read_history(pqxx::transaction_base& tx, const HistoryQuery& q) {
  const std::int64_t below = q.before_seq.value_or(std::numeric_limits<std::int64_t>::max());
  const int rows_wanted = q.limit + 1;  // one more tells whether there is more
  const auto rows = q.after_seq ? exec_statement(tx, Statement::history_after, q.app_id, q.type, q.id, q.reader,
                                                 below, rows_wanted, *q.after_seq)
                                : exec_statement(tx, Statement::history_newest, q.app_id, q.type, q.id, q.reader,
                                                 below, rows_wanted);
  if (rows.empty()) return std::nullopt;
  HistoryPage page;
  page.channel_pk = rows[0][0].as<std::int64_t>();
  if (!rows[0][1].is_null()) page.reader_role = rows[0][1].c_str();
  if (rows[0][kMessageFirst].is_null()) return page;  // the channel has no message in range
  page.has_more = rows.size() > static_cast<std::size_t>(q.limit);
  const std::size_t n = std::min(rows.size(), static_cast<std::size_t>(q.limit));
  page.messages.reserve(n);
  // The extra row, if any, is the last one; a newest page comes from the index newest first.
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = q.after_seq ? k : n - 1 - k;
    const auto& r = rows[static_cast<pqxx::result::size_type>(i)];
    page.messages.push_back({read_message_row(r, kMessageFirst), r[kReactionCounts].c_str(), r[kOwnReactions].c_str()});
  }
  return page;
}

}  // namespace parley::storage
