// Result<T>: the error channel of all product code. No exceptions cross our
// functions: a failure carries the errno (0 when it is not a system error) and
// a message with context, e.g. `open "/run/berth/x/state.json": No such file or directory`.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <utility>
#include <variant>

namespace berth {

class Error {
public:
    Error() = default;
    // A system error: `context: strerror(err)`.
    static Error sys(int err, std::string context) { return Error(err, std::move(context)); }
    // A system error from the current errno.
    static Error from_errno(std::string context) { return Error(errno, std::move(context)); }
    // A system error spelled as Go spells errno (and so runc, whose text a
    // manager may match): `context: no such file or directory`.
    static Error go_sys(int err, std::string context) {
        Error e(err, std::move(context));
        e.go_spelling_ = true;
        return e;
    }
    // A plain error without errno (bad input, wrong state, ...).
    static Error msg(std::string text) { return Error(0, std::move(text)); }

    int code() const { return code_; }
    const std::string& context() const { return context_; }
    // The full one-line message.
    std::string what() const {
        if (code_ == 0) return context_;
        std::string text = std::strerror(code_);
        // Go's table is glibc's text with a lower-case first letter.
        if (go_spelling_ && !text.empty() && text[0] >= 'A' && text[0] <= 'Z') text[0] = static_cast<char>(text[0] - 'A' + 'a');
        return context_ + ": " + text;
    }
    // Prefix more context: `prefix: <what it said before>`.
    Error wrap(const std::string& prefix) && {
        context_ = prefix + ": " + context_;
        return std::move(*this);
    }
    // The status a command that fails with this error exits with: 1 unless
    // the command says otherwise (exec's own failures exit 255, as runc's,
    // so that they are told apart from the process's status).
    int exit_code() const { return exit_code_; }
    Error with_exit_code(int exit_code) && {
        exit_code_ = exit_code;
        return std::move(*this);
    }

private:
    Error(int code, std::string context) : code_(code), context_(std::move(context)) {}
    int code_ = 0;
    std::string context_;
    int exit_code_ = 1;
    bool go_spelling_ = false;
};

template <class T>
class [[nodiscard]] Result {
public:
    Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return v_.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(v_); }
    const T& value() const& { return std::get<0>(v_); }
    T&& value() && { return std::get<0>(std::move(v_)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const& { return std::get<1>(v_); }
    Error&& error() && { return std::get<1>(std::move(v_)); }

private:
    std::variant<T, Error> v_;
};

template <>
class [[nodiscard]] Result<void> {
public:
    Result() = default;
    Result(Error error) : error_(std::move(error)), failed_(true) {}

    bool ok() const { return !failed_; }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return error_; }
    Error&& error() && { return std::move(error_); }

private:
    Error error_;
    bool failed_ = false;
};

using Status = Result<void>;

}  // namespace berth

// Propagate a failed Result from the enclosing function (which must return a Result).
#define BERTH_TRY(expr)                                   \
    do {                                                  \
        auto&& berth_try_r_ = (expr);                     \
        if (!berth_try_r_) return std::move(berth_try_r_).error(); \
    } while (0)

// Evaluate a Result<T>, propagate its error, or bind its value to `decl`.
#define BERTH_TRY_ASSIGN(decl, expr) BERTH_TRY_ASSIGN_IMPL_(BERTH_CAT_(berth_r_, __LINE__), decl, expr)
#define BERTH_CAT_(a, b) BERTH_CAT2_(a, b)
#define BERTH_CAT2_(a, b) a##b
#define BERTH_TRY_ASSIGN_IMPL_(tmp, decl, expr)      \
    auto tmp = (expr);                               \
    if (!tmp) return std::move(tmp).error();         \
    decl = std::move(tmp).value()
