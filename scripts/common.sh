# Shared helpers for the set-up scripts (sourced, not run).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
PY="$VENV/bin/python"
STAMPS="$ROOT/.stamps"
REDIS_PORT="${REDIS_PORT:-6379}"
PORT="${PORT:-8000}"
mkdir -p "$STAMPS" "$ROOT/var"

export TF_CPP_MIN_LOG_LEVEL=2 TF_ENABLE_ONEDNN_OPTS=0 KERAS_BACKEND=tensorflow
export PYTHONDONTWRITEBYTECODE=1

say() { printf '\033[1;34m==>\033[0m %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "Need root to run: $*" >&2; return 1; fi
}

APT_UPDATED=0
apt_install() {
  # Installs only the Debian packages that are missing.
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null || { echo "Please install: ${missing[*]}" >&2; return 1; }
  say "Installing Debian packages: ${missing[*]}"
  if [ "$APT_UPDATED" = 0 ]; then as_root apt-get update -qq; APT_UPDATED=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# A step runs again only when the files it depends on changed (their hash is the stamp).
stamp_ok() { [ -f "$STAMPS/$1" ] && [ "$(cat "$STAMPS/$1")" = "$2" ]; }
stamp_set() { printf '%s' "$2" > "$STAMPS/$1"; }
hash_files() { cat "$@" 2>/dev/null | sha256sum | cut -c1-32; }

ensure_system() {
  # chromium: the reports' PDFs (backend/reports/pdf.py) and the page tests
  local pkgs=(redis-server dataset-fashion-mnist chromium)
  command -v python3.11 >/dev/null || pkgs+=(python3.11 python3.11-venv)
  command -v npm >/dev/null || pkgs+=(nodejs npm)
  apt_install "${pkgs[@]}"
  # Vite 8 needs Node.js 20.19 or newer (Debian 12's own nodejs is 18).
  if ! node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
    echo "Node.js 20.19 or newer is needed to build the front end; found $(node --version)." >&2
    echo "Install a newer Node.js (e.g. from your distribution's backports) and run again." >&2
    return 1
  fi
}

ensure_venv() {
  local python
  python="$(command -v python3.11 || true)"
  [ -n "$python" ] || { echo "Python 3.11 is required" >&2; return 1; }
  # A new .venv (deleted, or made by hand) has none of the packages the stamp speaks for.
  if [ ! -x "$PY" ]; then say "Creating .venv"; "$python" -m venv "$VENV"; rm -f "$STAMPS/venv"; fi
  local h; h="$(hash_files "$ROOT/pyproject.toml")"
  if ! stamp_ok venv "$h"; then
    say "Installing Python dependencies"
    "$PY" -m pip install -q --upgrade pip
    "$PY" -m pip install -q -e "$ROOT[test,zoo]"
    stamp_set venv "$h"
  fi
}

ensure_frontend() {
  local lock_hash src_hash
  lock_hash="$(hash_files "$ROOT/frontend/package.json" "$ROOT/frontend/package-lock.json")"
  if [ ! -d "$ROOT/frontend/node_modules" ] || ! stamp_ok npm "$lock_hash"; then
    say "Installing front-end packages (npm ci)"
    (cd "$ROOT/frontend" && npm ci --no-audit --no-fund --loglevel=error)
    stamp_set npm "$lock_hash"
  fi
  src_hash="$( (cd "$ROOT/frontend" && find src public index.html vite.config.* package-lock.json -type f 2>/dev/null | sort | xargs cat) | sha256sum | cut -c1-32)"
  if [ ! -f "$ROOT/frontend/dist/index.html" ] || ! stamp_ok frontend "$src_hash"; then
    say "Building the front end"
    (cd "$ROOT/frontend" && npm run build --silent)
    stamp_set frontend "$src_hash"
  fi
}

ensure_database() {
  say "Migrating the database"
  "$PY" "$ROOT/manage.py" migrate --noinput -v 0
  "$PY" "$ROOT/manage.py" collectstatic --noinput -v 0
}

ensure_zoo() {
  local h; h="$( (cat "$ROOT"/model_zoo/*/manifest.json "$ROOT"/model_zoo/*/checkpoints/history.json "$ROOT"/model_zoo/*/convert.py 2>/dev/null; echo "${DATABASE_URL:-sqlite}") | sha256sum | cut -c1-32)"
  if ! stamp_ok zoo "$h" || [ ! -d "$ROOT/var/media/networks" ]; then
    say "Building and registering the model zoo"
    "$PY" "$ROOT/manage.py" build_zoo
    stamp_set zoo "$h"
  fi
  "$PY" "$ROOT/manage.py" ensure_demo_user >/dev/null
}

ensure_converted_zoo() {
  # The pretrained zoo network converted from its registry package (no database): the "photos"
  # sample set reads ImageNet's class names from its manifest, so the tests need it too.
  if [ ! -f "$ROOT/model_zoo/efficientnet_lite0/manifest.json" ] \
     || [ ! -f "$ROOT/model_zoo/efficientnet_lite0/model.keras" ]; then
    say "Converting EfficientNet-Lite0 from its PyPI package"
    "$PY" -c "import model_zoo.efficientnet_lite0.convert as c; c.build()"
  fi
}

http_up() { "$PY" -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=1)" "$1" 2>/dev/null; }

redis_up() { "$PY" - "$1" <<'PYEOF'
import sys, redis
try:
    redis.Redis(host="127.0.0.1", port=int(sys.argv[1]), socket_connect_timeout=1).ping()
except Exception:
    sys.exit(1)
PYEOF
}
