#include "turn/session_summary.hpp"

#include <algorithm>

namespace iceway::turn {

SessionSummary summarize(const Allocation& allocation, TimePoint now) {
  using std::chrono::duration_cast;
  using std::chrono::seconds;
  SessionSummary summary;
  summary.id = allocation.id;
  summary.user = allocation.user_id;
  summary.transport = std::string(to_string(allocation.five_tuple.transport));
  summary.client = allocation.five_tuple.client.to_string();
  summary.relayed = allocation.advertised.to_string();
  if (allocation.advertised_ipv6) summary.relayed += ", " + allocation.advertised_ipv6->to_string();
  summary.age_seconds = duration_cast<seconds>(now - allocation.created).count();
  summary.expires_in_seconds = std::max<std::int64_t>(0, duration_cast<seconds>(allocation.expires - now).count());
  summary.bytes_to_peer = allocation.counters.bytes_to_peer;
  summary.bytes_to_client = allocation.counters.bytes_to_client;
  summary.permissions = allocation.permissions.size();
  summary.channels = allocation.channels.size();
  return summary;
}

}  // namespace iceway::turn
