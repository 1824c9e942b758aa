// dicomscrub/error.hpp — the one error type every fallible call returns, and Result<T>.
//
// An Error names where the problem is (file, byte offset, tag path) and why, so a batch can report
// the bad file and go on. It never carries element values: errors end up in logs and audit files,
// which must stay free of PHI.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <variant>

namespace dicomscrub {

enum class ErrorCode {
  truncated,        // the stream ends inside a header or a value
  bad_length,       // a length runs past its container, or is not allowed here
  bad_vr,           // explicit VR bytes that are not a VR
  bad_structure,    // items/delimiters where they cannot be, unbalanced nesting
  limit_exceeded,   // nesting depth, element count or size limit hit
  not_dicom,        // no preamble, meta group or plausible first element
  unsupported,      // a transfer syntax or feature we do not handle
  io,               // the operating system refused a read or write
  invalid_argument  // a caller's mistake, not the input's
};

const char* to_string(ErrorCode code) noexcept;

struct Error {
  ErrorCode code = ErrorCode::bad_structure;
  std::string file;         // empty when parsing a buffer
  std::uint64_t offset = 0; // byte offset in the input (in the inflated stream for deflated data sets)
  std::string tag_path;     // e.g. "(0040,0275)[0]/(0032,1060)"; empty at top level before any tag
  std::string reason;       // a sentence for a person; never contains element values

  // "file: offset 1234 at (0008,1140)[0]/(0008,1155): bad_length: ..." — one line for logs.
  std::string message() const;
};

// A value or an Error; the C++20 stand-in for std::expected.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}               // NOLINT: implicit by design
  Result(Error error) : v_(std::move(error)) {}           // NOLINT
  bool ok() const noexcept { return v_.index() == 0; }
  explicit operator bool() const noexcept { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  const Error& error() const& { return std::get<1>(v_); }
  Error&& error() && { return std::get<1>(std::move(v_)); }

 private:
  std::variant<T, Error> v_;
};

// For calls that return nothing on success.
struct Ok {};
using Status = Result<Ok>;

}  // namespace dicomscrub
