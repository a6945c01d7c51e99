"""`gestured models list | fetch [NAME...] | verify [NAME...]`: the model files on disk.

Exit codes: 0 fine; 1 `verify` found a bad file; 2 (via GesturedError) unknown name,
licence not accepted, every source failed.
"""

from __future__ import annotations

import argparse
import sys
from typing import TextIO

from gestured.weights import (
    DEFAULT_MODELS,
    GROUPS,
    LicenseNotAccepted,
    ModelFetchError,
    ModelSpec,
    expand_names,
    fetch_command,
    fetch_model,
    model_registry,
    verify_model,
)


def configure(parser: argparse.ArgumentParser) -> None:
    actions = parser.add_subparsers(dest="models_action", metavar="ACTION", required=True)
    actions.add_parser("list", help="show each model: present, verified, path, licence")
    fetch = actions.add_parser("fetch", help="download models (default: the ones gestured needs)")
    fetch.add_argument(
        "names",
        nargs="*",
        metavar="NAME",
        help=f"model or group names (groups: {', '.join(GROUPS)}; "
        f"default: {', '.join(DEFAULT_MODELS)})",
    )
    fetch.add_argument(
        "--accept-license", action="store_true", help="accept a non-commercial licence"
    )
    fetch.add_argument(
        "--force", action="store_true", help="download even when a verified copy is there"
    )
    verify = actions.add_parser("verify", help="re-hash present model files; exit 1 if any is bad")
    verify.add_argument(
        "names", nargs="*", metavar="NAME", help="model or group names (default: all)"
    )


def main(args: argparse.Namespace) -> int:
    registry = model_registry()
    if args.models_action == "list":
        return list_models(registry, sys.stdout)
    if args.models_action == "verify":
        return verify_models(
            expand_names(args.names or list(registry), registry), registry, sys.stdout
        )
    names = expand_names(args.names or list(DEFAULT_MODELS), registry)
    return fetch_models(
        names, registry, sys.stdout, accept_license=args.accept_license, force=args.force
    )


def list_models(registry: dict[str, ModelSpec], out: TextIO) -> int:
    """One line per model: name, present, verified, licence, path; then what is wrong."""
    statuses = [verify_model(name, registry=registry) for name in registry]
    rows = [("NAME", "PRESENT", "VERIFIED", "LICENCE", "PATH")]
    for status in statuses:
        spec = registry[status.name]
        present = "no" if status.state == "missing" else "yes"
        verified = {"verified": "yes", "unverified": "size only", "bad": "BAD", "missing": "-"}[
            status.state
        ]
        licence = (spec.license or "unknown") + (
            " [--accept-license]" if spec.needs_license_acceptance else ""
        )
        rows.append((status.name, present, verified, licence, str(status.path)))
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        out.write("  ".join([*cells, row[4]]) + "\n")
    for status in statuses:
        if status.state == "bad":
            out.write(f"{status.name}: {status.detail}: run '{fetch_command(status.name)}'\n")
    return 0


def verify_models(names: list[str], registry: dict[str, ModelSpec], out: TextIO) -> int:
    """Re-check each present file; 1 when any is bad, else 0 (missing files are only reported)."""
    bad = 0
    for name in names:
        status = verify_model(name, registry=registry)
        out.write(f"{name}: {status.state}: {status.detail} ({status.path})\n")
        if status.state == "bad":
            bad += 1
            out.write(f"{name}: run '{fetch_command(name)}' to replace it\n")
    return 1 if bad else 0


def fetch_models(
    names: list[str],
    registry: dict[str, ModelSpec],
    out: TextIO,
    *,
    accept_license: bool,
    force: bool,
) -> int:
    """Fetch each model not already verified; refuses all when a licence is not accepted."""
    gated = [name for name in names if registry[name].needs_license_acceptance]
    for licence in dict.fromkeys(registry[name].license for name in gated):
        covered = ", ".join(name for name in gated if registry[name].license == licence)
        print(f"{covered}: licensed under the {licence}; not for commercial use.", file=sys.stderr)
    if gated and not accept_license:
        raise LicenseNotAccepted(
            f"nothing downloaded: {', '.join(gated)} need the licence above accepted: "
            f"add --accept-license (e.g. '{fetch_command(gated[0])}')"
        )
    failures: list[str] = []
    for name in names:
        status = verify_model(name, registry=registry)
        if status.state in ("verified", "unverified") and not force:
            out.write(f"{name}: already present ({status.state}): {status.path}\n")
            continue
        try:
            path = fetch_model(name, accept_license=accept_license, registry=registry)
        except ModelFetchError as error:
            failures.append(str(error))
            continue
        out.write(f"{name}: fetched and verified: {path}\n")
    if failures:
        raise ModelFetchError(" | ".join(failures))
    return 0
