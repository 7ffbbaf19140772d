#pragma once
// The one result type of the project (STYLE.md "Errors are values at the boundaries").
// Boost.Outcome's basic_result with the terminate policy: reading the value of a failed
// result (or the error of a successful one) is a bug, and it stops the process loudly
// instead of being undefined behaviour.
#include <boost/outcome/basic_result.hpp>
#include <boost/outcome/policy/terminate.hpp>
#include <boost/outcome/success_failure.hpp>

namespace iceway {

template <class T, class E>
using Result = boost::outcome_v2::basic_result<T, E, boost::outcome_v2::policy::terminate>;

using boost::outcome_v2::failure;
using boost::outcome_v2::success;

}  // namespace iceway
