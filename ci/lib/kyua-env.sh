#!/bin/sh
# shellcheck shell=sh
# ci/lib/kyua-env.sh: sourced by the scripts that run Kyua (ci/run-suite,
# ci/break).  The one list of the variables Kyua and the cases run with:
# kyua.db records Kyua's whole environment, and CI systems keep tokens in
# theirs, so Kyua runs under env -i with only these (when set) and a fixed
# LANG (the suite's messages are UTF-8): the caller runs
#   env -i -C / LANG=C.UTF-8 NAME=VALUE... kyua ...
# with NAME=VALUE for each variable of kyua_env that is set.
# shellcheck disable=SC2034 # used by the sourcing script
kyua_env="PATH HOME TMPDIR SHMCONFORM_STATE SHMCONFORM_FAULT SHMCONFORM_FAULT_LOG"
