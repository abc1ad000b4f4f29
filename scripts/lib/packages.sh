# shellcheck shell=bash
# Debian 12 packages needed to build, test and run Parley locally.
# Source this file, then call ensure_packages.

PARLEY_PACKAGES=(
  build-essential cmake ninja-build ccache pkg-config git
  libboost1.81-dev libpqxx-dev libhiredis-dev nlohmann-json3-dev libspdlog-dev
  libssl-dev googletest libgtest-dev libbenchmark-dev
  postgresql-15 postgresql-client-15 redis-server
  openssl curl ca-certificates procps iproute2 jq
)

# Installs whichever of PARLEY_PACKAGES is missing. Touches apt only when
# something is missing, so it is cheap to call on every run.
ensure_packages() {
  local pkg missing=()
  for pkg in "${PARLEY_PACKAGES[@]}"; do
    # shellcheck disable=SC2016  # ${db:Status-Status} is a dpkg-query field, not a shell expansion
    if [[ $(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null) != installed ]]; then
      missing+=("$pkg")
    fi
  done
  if ((${#missing[@]} == 0)); then
    return 0
  fi

  echo "Installing missing packages: ${missing[*]}" >&2
  local sudo=()
  if ((EUID != 0)); then
    sudo=(sudo)
  fi
  "${sudo[@]}" apt-get update
  # env after sudo: sudo resets the environment, so DEBIAN_FRONTEND must be set inside it.
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
}
