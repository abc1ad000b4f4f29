#include "support/parley_process.hpp"

#include <csignal>
#include <stdexcept>
#include <thread>

#include "support/http_client.hpp"
#include "support/io_wait.hpp"
#include "support/test_env.hpp"

namespace parley::test {
namespace {

using namespace std::chrono_literals;

std::vector<std::string> command_line(const std::vector<std::string>& args) {
  std::vector<std::string> argv{parley_binary()};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

// The value of `--name VALUE` or `--name=VALUE`.
std::optional<std::string> flag_value(const std::vector<std::string>& args, const std::string& name) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == name && i + 1 < args.size()) {
      return args[i + 1];
    }
    if (args[i].rfind(name + "=", 0) == 0) {
      return args[i].substr(name.size() + 1);
    }
  }
  return std::nullopt;
}

std::optional<std::uint16_t> listen_port(const std::vector<std::string>& args,
                                         const std::map<std::string, std::string>& env) {
  auto listen = flag_value(args, "--listen");
  if (!listen) {
    const auto found = env.find("PARLEY_LISTEN");
    if (found == env.end()) {
      return std::nullopt;
    }
    listen = found->second;
  }
  const auto colon = listen->rfind(':');
  if (colon == std::string::npos) {
    return std::nullopt;
  }
  return static_cast<std::uint16_t>(std::stoul(listen->substr(colon + 1)));
}

}  // namespace

ParleyProcess::ParleyProcess(std::vector<std::string> args, std::map<std::string, std::string> env)
    : args_(std::move(args)), env_(std::move(env)) {
  port_ = listen_port(args_, env_);
  tls_ = flag_value(args_, "--tls-cert").has_value() || env_.count("PARLEY_TLS_CERT") > 0;
}

ParleyProcess::~ParleyProcess() = default;

std::vector<std::string> ParleyProcess::serve_args(std::uint16_t port, const std::string& database_url,
                                                   const std::optional<std::string>& redis_url,
                                                   const std::vector<std::string>& extra) {
  std::vector<std::string> args{"serve", "--listen", "127.0.0.1:" + std::to_string(port), "--database-url",
                                database_url};
  if (redis_url) {
    args.insert(args.end(), {"--redis-url", *redis_url});
  }
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

CommandResult ParleyProcess::run(const std::vector<std::string>& args, const std::map<std::string, std::string>& env,
                                 std::chrono::milliseconds timeout) {
  ChildProcess process(command_line(args), env);
  const auto exit_code = process.wait_exit(timeout);
  if (!exit_code) {
    throw TimeoutError("parley " + (args.empty() ? std::string() : args[0]) + " still running after " +
                       std::to_string(timeout.count()) + " ms:\n" + process.log_tail());
  }
  return CommandResult{*exit_code, process.log()};
}

void ParleyProcess::start() {
  if (process_ && process_->running()) {
    throw std::logic_error("ParleyProcess::start: " + process_->describe() + " is already running");
  }
  process_.reset();
  process_ = std::make_unique<ChildProcess>(command_line(args_), env_);
}

void ParleyProcess::wait_healthy(std::chrono::milliseconds timeout) {
  ChildProcess& child = process("wait_healthy");
  const std::uint16_t listen = port();
  const auto deadline = deadline_after(timeout);
  std::string last_attempt = "no attempt";
  for (;;) {
    if (!child.running()) {
      throw std::runtime_error("parley exited with " + std::to_string(child.wait_exit(0ms).value_or(-1)) +
                               " before /healthz answered 200; its log ends with:\n" + child.log_tail());
    }
    try {
      const auto response = http_request(listen, "GET", "/healthz", "", {}, tls_, 2s);
      if (response.status == 200) {
        return;
      }
      last_attempt = "HTTP " + std::to_string(response.status) + " " + response.body.substr(0, 200);
    } catch (const std::exception& error) {
      last_attempt = error.what();
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      throw TimeoutError(child.describe() + " not healthy on port " + std::to_string(listen) + " within " +
                         std::to_string(timeout.count()) + " ms (last attempt: " + last_attempt +
                         "); its log ends with:\n" + child.log_tail());
    }
    std::this_thread::sleep_for(50ms);
  }
}

std::uint16_t ParleyProcess::port() const {
  if (!port_) {
    throw std::logic_error("ParleyProcess::port: no --listen HOST:PORT among the arguments");
  }
  return *port_;
}

pid_t ParleyProcess::pid() const { return process("pid").pid(); }

void ParleyProcess::send_signal(int signal) { process("send_signal").send_signal(signal); }

std::optional<int> ParleyProcess::wait_exit(std::chrono::milliseconds timeout) {
  return process("wait_exit").wait_exit(timeout);
}

bool ParleyProcess::running() { return process_ && process_->running(); }

std::string ParleyProcess::log() const { return process_ ? process_->log() : std::string(); }

int ParleyProcess::stop(std::chrono::milliseconds timeout) {
  ChildProcess& child = process("stop");
  child.send_signal(SIGTERM);
  if (const auto exit_code = child.wait_exit(timeout)) {
    return *exit_code;
  }
  child.send_signal(SIGKILL);
  child.wait_exit(10s);
  throw TimeoutError(child.describe() + " ignored SIGTERM for " + std::to_string(timeout.count()) +
                     " ms; killed. Its log ends with:\n" + child.log_tail());
}

void ParleyProcess::kill() {
  ChildProcess& child = process("kill");
  child.send_signal(SIGKILL);
  child.wait_exit(10s);
}

ChildProcess& ParleyProcess::process(const char* what) {
  if (!process_) {
    throw std::logic_error(std::string("ParleyProcess::") + what + ": start() was not called");
  }
  return *process_;
}

const ChildProcess& ParleyProcess::process(const char* what) const {
  if (!process_) {
    throw std::logic_error(std::string("ParleyProcess::") + what + ": start() was not called");
  }
  return *process_;
}

}  // namespace parley::test
