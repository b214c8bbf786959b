#pragma once
/// @file errors.h
/// Typed exceptions of the Slimbench core.  Every error names the file / tensor / setting
/// and the rule that was broken; each stage may prepend context ("loading tokenizer.json: ...")
/// with addContext() and rethrow the *same* object (`throw;`), so the type survives.

#include <stdexcept>
#include <string>

namespace slim {

/// Base of all Slimbench errors.  what() returns the full message including context.
class Error : public std::exception {
public:
    explicit Error(std::string message) : m_message(std::move(message)) {}
    const char* what() const noexcept override { return m_message.c_str(); }
    /// Prepend a context string: "context: <previous message>".
    void addContext(const std::string& context) { m_message = context + ": " + m_message; }
    /// Exit code used by slimbench-cli (1 = error, 2 = cancelled).
    virtual int exitCode() const noexcept { return 1; }
    virtual const char* kind() const noexcept { return "error"; }

private:
    std::string m_message;
};

/// A file's content violates a format rule (safetensors, GGUF, tokenizer.json, pipeline JSON...).
class FormatError : public Error {
public:
    FormatError(const std::string& file, const std::string& rule)
        : Error(file + ": " + rule), m_file(file), m_rule(rule) {}
    const std::string& file() const noexcept { return m_file; }
    const std::string& rule() const noexcept { return m_rule; }
    const char* kind() const noexcept override { return "format"; }

private:
    std::string m_file;
    std::string m_rule;
};

/// A configuration value (config.json, a CLI option, a pipeline setting) is invalid.
class ConfigError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "config"; }
};

/// The operating system refused a file operation (open, mmap, write, rename...).
class IoError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "io"; }
};

/// Something valid but not (yet) supported: an architecture, a dtype, a device.
class UnsupportedError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "unsupported"; }
};

/// Host or device memory is insufficient; the message says how much was needed.
class OutOfMemoryError : public Error {
public:
    using Error::Error;
    const char* kind() const noexcept override { return "out-of-memory"; }
};

/// The user cancelled a job.  Reported as *cancelled*, never as *failed*.
class CancelledError : public Error {
public:
    CancelledError() : Error("cancelled") {}
    int exitCode() const noexcept override { return 2; }
    const char* kind() const noexcept override { return "cancelled"; }
};

/// Run `fn`; if it throws a slim::Error, prepend `context` and rethrow the same object.
template <typename Fn>
decltype(auto) withContext(const std::string& context, Fn&& fn) {
    try {
        return fn();
    } catch (Error& e) {
        e.addContext(context);
        throw;
    }
}

} // namespace slim
