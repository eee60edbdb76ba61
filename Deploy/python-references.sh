# Sourced by Deploy/test.sh and Deploy/bench.sh: makes `python3` on PATH able to import the
# Python reference implementations some tests and the benchmark compare against.
#
#   python_references MODULE=REQUIREMENT...     e.g. python_references cronsim=cronsim==2.8
#
# Where the python3 on PATH already imports them, nothing happens. Otherwise they go into that
# python3 with pip where pip may install (a pyenv or a virtualenv), and else into a virtualenv of
# our own in .build/python-references, which is put first on PATH. That is the case on a stock
# Debian 12, whose python3 refuses system-wide pip installs (PEP 668, "externally-managed-
# environment"); python3 and python3-venv are installed with apt when missing. When every way
# fails it warns and returns 0: the checks that need these packages are skipped, not failed.

python_references() {
    local modules=() requirements=() pair
    for pair in "$@"; do
        modules+=("${pair%%=*}")
        requirements+=("${pair#*=}")
    done
    local imports
    imports="import $(IFS=,; echo "${modules[*]}")"
    local venv="$PWD/.build/python-references"

    if [[ -x "$venv/bin/python3" ]] && "$venv/bin/python3" -c "$imports" 2>/dev/null; then
        export PATH="$venv/bin:$PATH"
        return 0
    fi
    if command -v python3 >/dev/null && python3 -c "$imports" 2>/dev/null; then
        return 0
    fi

    local missing=()
    command -v python3 >/dev/null || missing+=(python3)
    if ((${#missing[@]} == 0)) && python3 -m pip install -q --disable-pip-version-check "${requirements[@]}" >/dev/null 2>&1 \
        && python3 -c "$imports" 2>/dev/null; then
        return 0
    fi

    # pip may not install into this python3: a virtualenv of our own.
    python3 -c "import ensurepip" 2>/dev/null || missing+=(python3-venv)
    if ((${#missing[@]})); then
        echo "installing: ${missing[*]}" >&2
        local sudo=""
        [[ $(id -u) -ne 0 ]] && sudo="sudo"
        { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; } \
            || echo "warning: could not install ${missing[*]}" >&2
    fi
    if { [[ -x "$venv/bin/python3" ]] || { rm -rf "$venv" && python3 -m venv "$venv" >/dev/null 2>&1; }; } \
        && "$venv/bin/python3" -m pip install -q --disable-pip-version-check "${requirements[@]}" >/dev/null 2>&1 \
        && "$venv/bin/python3" -c "$imports" 2>/dev/null; then
        echo "python references: ${requirements[*]} in $venv" >&2
        export PATH="$venv/bin:$PATH"
        return 0
    fi
    echo "warning: could not install ${requirements[*]}; the checks that use them will be skipped" >&2
    return 0
}
