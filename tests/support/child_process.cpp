#include "support/child_process.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace parley::test {
namespace {

std::string find_executable(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return name;
  }
  const char* path = std::getenv("PATH");
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  throw std::runtime_error("ChildProcess: " + name + " not found on PATH");
}

std::vector<std::string> merged_environment(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> result;
  for (char** entry = environ; *entry != nullptr; ++entry) {
    std::string_view line(*entry);
    const auto name = line.substr(0, line.find('='));
    if (extra.find(std::string(name)) == extra.end()) {
      result.emplace_back(line);
    }
  }
  for (const auto& [name, value] : extra) {
    result.push_back(name + "=" + value);
  }
  return result;
}

std::vector<char*> c_strings(std::vector<std::string>& strings) {
  std::vector<char*> result;
  for (auto& s : strings) {
    result.push_back(s.data());
  }
  result.push_back(nullptr);
  return result;
}

std::string last_lines(const std::string& text, std::size_t count) {
  std::size_t pos = text.size();
  for (std::size_t seen = 0; pos > 0 && seen <= count; --pos) {
    if (text[pos - 1] == '\n') {
      ++seen;
    }
  }
  return text.substr(pos);
}

}  // namespace

ChildProcess::ChildProcess(std::vector<std::string> argv, std::map<std::string, std::string> env)
    : argv_(std::move(argv)), log_path_(dir_.file("output.log")) {
  if (argv_.empty()) {
    throw std::invalid_argument("ChildProcess: empty argv");
  }
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls until execve.
  const std::string program = find_executable(argv_[0]);
  std::vector<std::string> args = argv_;
  std::vector<std::string> environment = merged_environment(env);
  std::vector<char*> c_args = c_strings(args);
  std::vector<char*> c_env = c_strings(environment);

  const int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  if (log_fd < 0) {
    throw std::runtime_error("ChildProcess: cannot open " + log_path_ + ": " + std::strerror(errno));
  }
  int exec_error_pipe[2];
  if (::pipe2(exec_error_pipe, O_CLOEXEC) != 0) {
    ::close(log_fd);
    throw std::runtime_error(std::string("ChildProcess: pipe2: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  pid_ = ::fork();
  if (pid_ < 0) {
    const int error = errno;
    ::close(log_fd);
    ::close(exec_error_pipe[0]);
    ::close(exec_error_pipe[1]);
    throw std::runtime_error(std::string("ChildProcess: fork: ") + std::strerror(error));
  }
  if (pid_ == 0) {
    // A crashed or killed test must not leave servers listening behind it.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) {
      ::_exit(127);
    }
    ::setpgid(0, 0);  // a Ctrl-C on the terminal reaches the test, which cleans up
    sigset_t all;
    ::sigemptyset(&all);
    ::sigprocmask(SIG_SETMASK, &all, nullptr);
    ::signal(SIGPIPE, SIG_DFL);
    const int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
      ::dup2(null_fd, STDIN_FILENO);
    }
    ::dup2(log_fd, STDOUT_FILENO);
    ::dup2(log_fd, STDERR_FILENO);
    const int error_fd = exec_error_pipe[1];
    if (::dup2(error_fd, 3) == 3) {
      ::fcntl(3, F_SETFD, FD_CLOEXEC);
    }
    ::close_range(4, ~0U, 0);
    ::execve(program.c_str(), c_args.data(), c_env.data());
    const int error = errno;
    [[maybe_unused]] auto written = ::write(3, &error, sizeof(error));
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(exec_error_pipe[1]);
  int exec_errno = 0;
  ssize_t got = 0;
  do {
    got = ::read(exec_error_pipe[0], &exec_errno, sizeof(exec_errno));
  } while (got < 0 && errno == EINTR);
  ::close(exec_error_pipe[0]);
  if (got == static_cast<ssize_t>(sizeof(exec_errno))) {
    reap(true);
    throw std::runtime_error("ChildProcess: cannot execute " + program + ": " + std::strerror(exec_errno));
  }
}

ChildProcess::~ChildProcess() {
  if (pid_ > 0 && !exit_status_) {
    ::kill(pid_, SIGKILL);
    reap(true);
  }
  // The log is the only trace of what a server did when a test fails.
  if (::testing::Test::HasFailure()) {
    std::cerr << "----- last lines of " << describe() << " output (" << log_path_ << ") -----\n"
              << log_tail(60) << "----- end of " << argv_[0] << " output -----\n";
  }
}

void ChildProcess::send_signal(int signal) {
  if (pid_ > 0 && !exit_status_ && !reap(false)) {
    ::kill(pid_, signal);
  }
}

std::optional<int> ChildProcess::wait_exit(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!reap(false)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return exit_status_;
}

bool ChildProcess::running() { return pid_ > 0 && !reap(false); }

std::string ChildProcess::log() const {
  std::ifstream in(log_path_, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

std::string ChildProcess::log_tail(std::size_t lines) const { return last_lines(log(), lines); }

std::string ChildProcess::describe() const { return argv_[0] + " (pid " + std::to_string(pid_) + ")"; }

// True once the process has exited (and been reaped).
bool ChildProcess::reap(bool block) {
  if (exit_status_) {
    return true;
  }
  int status = 0;
  pid_t result = 0;
  do {
    result = ::waitpid(pid_, &status, block ? 0 : WNOHANG);
  } while (result < 0 && errno == EINTR);
  if (result == 0) {
    return false;
  }
  if (result < 0) {
    exit_status_ = -1;  // ECHILD: someone else reaped it; nothing left to wait for
    return true;
  }
  exit_status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return true;
}

}  // namespace parley::test
