#include "parley/chat/failures.hpp"

#include "parley/storage/tx.hpp"

namespace parley::chat {

bool is_unavailable(const std::exception& e) { return storage::is_unavailable(e); }

}  // namespace parley::chat
