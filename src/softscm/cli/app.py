"""The ``softscm`` command group and its top-level commands."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click

from softscm.cli import (
    authorization,
    boot,
    certificates,
    data,
    keys,
    led,
    log,
    luks,
    metrics,
    perimeter,
    selftest,
    signing,
    sim,
    store,
    wallet,
)
from softscm.cli.common import CONTEXT_SETTINGS, State, emit, json_option
from softscm.cli.errors import VERBOSE, Cli
from softscm.module import Profile


@click.group(cls=Cli, context_settings=CONTEXT_SETTINGS)
@click.option("--home", envvar="SOFTSCM_HOME", type=click.Path(file_okay=False),
              help="State directory of the module (default: $SOFTSCM_HOME, else the "
                   "user data directory).")
@click.option("--verbose", "-v", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(package_name="softscm")
@click.pass_context
def cli(ctx: click.Context, home: str | None, verbose: bool) -> None:
    """softscm: a software Secure Compute Module (Zymbit SCM emulator)."""
    VERBOSE.set(verbose)
    explicit = ctx.get_parameter_source("home") == click.core.ParameterSource.COMMANDLINE
    state = State(home, verbose, explicit_home=explicit)
    ctx.obj = state
    ctx.call_on_close(state.close)


@cli.command()
@click.option("--profile", type=click.Choice(["scm", "hsm6"]), default="scm", show_default=True)
@click.option("--program", type=click.Choice(["standard", "alpha"]), default="standard",
              show_default=True, help="alpha: destructive production actions are simulated.")
@click.option("--revision", type=click.Choice(["B1", "A1"]), default="B1", show_default=True)
@click.option("--model", default="", help="Model string (default per profile).")
@click.option("--firmware", default="", help="Firmware string (default per revision).")
@click.option("--no-simulation", is_flag=True,
              help="A module for a real deployment: simulation controls are refused.")
@click.option("--boot-dir", default="/boot", show_default=True,
              type=click.Path(file_okay=False, resolve_path=True),
              help="The boot partition supervised boot verifies.")
@click.option("--shipped-manifest", is_flag=True,
              help="Start with the factory default supervised-boot manifest, signed at "
                   "the first boot (files missing from the boot directory are skipped).")
@click.option("--emulate-usb-link", is_flag=True,
              help="Check config.txt for the dwc2 host-mode overlay at each host boot.")
@click.option("--emulate-issue-159", is_flag=True,
              help="Emulate issue #159 of SCM B1 firmware 01.02.02release: keys made by "
                   "gen_key_pair are lost at each module boot (wallet keys stay).")
@click.option("--require-authorization", is_flag=True,
              help="A remedied battery-sleep or tamper hold waits for an authorisation: "
                   "the tap code or a signed challenge (softscm auth).")
@click.option("--tap-code", default="", metavar="N-N-...",
              help="Tap code that authorises a hold, such as 3-1-2 (groups of taps "
                   "separated by 1.5 s of stillness, all within 30 s).")
@click.option("--authority-slot", type=int, default=0, show_default=True,
              help="Foreign slot of the authority whose signature authorises a hold.")
@click.option("--tamper-production-action", type=click.Choice(["destroy", "hold"]),
              default="destroy", show_default=True,
              help="What a self-destruct tamper does in standard production.")
@click.option("--tap-logging", is_flag=True,
              help="Log every detected tap (tap {axis, direction}) in the event log.")
@click.option("--luks-key", default=None, metavar="NAME",
              help="Also have the new module draw a LUKS key called NAME and keep it sealed "
                   "(the module side of re-keying an encrypted image: a host script adds "
                   "`softscm luks-key NAME` to the LUKS container, then removes the "
                   "default key).")
@click.option("--replace", is_flag=True,
              help="Destroy the module already in the state directory (its keys, seals, "
                   "settings and log, erased) and make a new one with a new serial.")
@json_option
@click.pass_obj
def init(state: State, profile: str, program: str, revision: str, model: str,
         firmware: str, no_simulation: bool, boot_dir: str, shipped_manifest: bool,
         emulate_usb_link: bool, emulate_issue_159: bool, require_authorization: bool,
         tap_code: str, authority_slot: int, tamper_production_action: str,
         tap_logging: bool, luks_key: str | None, replace: bool, as_json: bool) -> None:
    """Create a new module in the state directory (--replace: in place of the one there)."""
    from softscm.runtime import replace_state, resolve_home

    made = Profile(
        profile=profile, program=program, revision=revision, model=model,
        firmware=firmware, simulation=not no_simulation, boot_dir=boot_dir,
        shipped_manifest=shipped_manifest, emulate_usb_link=emulate_usb_link,
        emulate_issue_159=emulate_issue_159, require_authorization=require_authorization,
        tap_code=tap_code, authority_slot=authority_slot,
        tamper_production_action=tamper_production_action, tap_logging=tap_logging,
    ).resolved()
    if replace:
        module, store, old = replace_state(state.home, made, luks_key=luks_key)
    else:
        from softscm.runtime import init_state

        module, store = init_state(state.home, made, luks_key=luks_key)
        old = None
    try:
        info = module.hello()
        issue = module.profile.issue_159_emulated
    finally:
        store.close()
    info["home"] = str(resolve_home(state.home))
    info["replaced"] = old
    info["issue_159_emulated"] = issue
    info["luks_key"] = luks_key
    text = (f"created module {info['serial']} ({info['model']}, firmware "
            f"{info['firmware']}) in {info['home']}")
    if old is not None:
        text = (f"replaced module {old} (destroyed: its keys, seals, settings and log "
                f"are erased)\n{text}")
    if luks_key is not None:
        text += (f"\nLUKS key {luks_key} drawn and sealed in the module: add it to the "
                 f"LUKS container (cryptsetup luksAddKey DEVICE <(softscm luks-key "
                 f"{luks_key})), then remove the default key (cryptsetup luksRemoveKey "
                 f"DEVICE)")
    if issue:
        text += "\nissue #159 emulated: keys made by gen_key_pair are lost at each boot"
    elif emulate_issue_159:
        text += ("\nissue #159 not emulated: only SCM revision B1 with firmware "
                 "01.02.02release has it")
    emit(as_json, info, text)


@cli.command()
@json_option
@click.pass_obj
def status(state: State, as_json: bool) -> None:
    """Show the module's identity, keys and state."""
    info = state.operator().status()
    emit(as_json, info, _status_text(info))


def _issue_159_text(issue: dict[str, bool] | None) -> str:
    if not issue or not issue["affected"]:
        return "issue159  not affected (generated keys persist)"
    if issue["emulated"]:
        return ("issue159  affected (B1, 01.02.02release) and emulated: keys made by "
                "gen_key_pair are lost at each module boot")
    return ("issue159  affected identity (B1, 01.02.02release), not emulated: generated "
            "keys persist (softscm init --emulate-issue-159 to test a workaround)")


_TEMPERATURE_ACTIONS = {0: "no action", 1: "self-destruct"}
_BATTERY_ACTIONS = {0: "no action", 1: "self-destruct", 2: "sleep"}
_BOOT_POLICIES = {0: "no action", 1: "self-destruct", 2: "hold in reset"}


def _authorization_text(auth: dict[str, Any] | None) -> list[str]:
    if not auth or not auth.get("awaiting"):
        return []
    return [f"authorize the {auth['awaiting']} hold: challenge {auth['challenge']}"
            + (" (or the tap code)" if auth.get("tap_code") else "")]


def _status_text(info: dict[str, Any]) -> str:
    keys_ = info["keys"]
    settings = info["settings"]
    flags = ["none", "notify", "self-destruct", "notify+self-destruct"]
    lines = [
        f"module    {info['serial']}  {info['model']}  firmware {info['firmware']}",
        f"profile   {info['profile']} / program {info['program']} / revision "
        f"{info['revision']}" + ("" if info["simulation"] else " / simulation off")
        + (" / taps logged" if info.get("tap_logging") else ""),
        _issue_159_text(info.get("issue_159")),
        f"state     {info['lifecycle']}" + (f" ({info['hold']})" if info["hold"] else "")
        + f"; binding {info['binding']}" + ("; KEYS DESTROYED" if info["destroyed"] else ""),
        f"keys      {keys_['allocated']} allocated (key store of {keys_['key_store_size']}), "
        f"{keys_['foreign']} foreign of {keys_['foreign_keyring_size']}"
        + ("; ERASURE PENDING: deleted secrets are still in the files, erasure is retried "
           "(softscm store check)" if info.get("erasure_pending") else ""),
        f"power     main {'on' if info['main_power'] else 'off'}, battery "
        + ("removed" if info["battery"] is None else f"{info['battery']:.2f} V"),
        f"sensors   cpu {info['cpu_temp']:.1f} C, loops "
        + ", ".join(f"ch{i} {'OPEN' if o else 'closed'}" for i, o in
                    enumerate(info["loops_open"]))
        + ", breaches " + ", ".join(f"ch{i} {t or '-'}" for i, t in enumerate(info["perimeter"])),
        "actions   " + ", ".join(f"ch{i} {flags[f]}" for i, f in enumerate(settings["perimeter"]))
        + f"; temperature {settings['low_temp_c']}..{settings['high_temp_c']} C "
        f"{_TEMPERATURE_ACTIONS[settings['temperature_action']]}; battery "
        f"{settings['battery_threshold_v']} V {_BATTERY_ACTIONS[settings['battery_action']]}; "
        f"supervised boot {_BOOT_POLICIES[settings['supervised_boot_policy']]}",
        f"led       {info['led']}",
        *_authorization_text(info.get("authorization")),
        f"time      {info['time']}",
    ]
    lines += [f"event     #{e['seq']} {e['kind']} {e['detail']}" for e in info["events"][-5:]]
    return "\n".join(lines)


@cli.command()
@click.option("--socket", "socket_path", type=click.Path(dir_okay=False),
              help="Socket to listen on (default: $SOFTSCM_SOCKET, else the user's runtime "
                   "directory, else /run/softscm/softscm.sock).")
@click.option("--allow-user", multiple=True, callback=lambda c, p, v: _known("user", v),
              help="Also admit this user (name or uid).")
@click.option("--allow-group", multiple=True, callback=lambda c, p, v: _known("group", v),
              help="Also admit this group (name or gid).")
@click.option("--workers", type=click.IntRange(1, 32), default=None,
              help="Processes serving the socket (default: one per core, at most 4; "
                   "1: the daemon's own process alone).")
@click.pass_obj
def serve(state: State, socket_path: str | None, allow_user: tuple[str, ...],
          allow_group: tuple[str, ...], workers: int | None) -> None:
    """Run the module as a daemon that every process on the host shares."""
    import time
    from pathlib import Path

    from softscm.client.locate import default_socket
    from softscm.service.access import AllowList
    from softscm.service.daemon import run_daemon
    from softscm.service.workers import default_workers

    base = AllowList.default()
    extra = AllowList.parse(list(allow_user), list(allow_group))
    allow = AllowList(base.uids | extra.uids, base.gids | extra.gids)
    path = Path(socket_path) if socket_path else default_socket()

    def event(line: str) -> None:
        click.echo(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} softscm: {line}", err=True)

    run_daemon(state.home, path, allow, on_event=event,
               workers=default_workers() if workers is None else workers)


def _known(kind: str, names: tuple[str, ...]) -> tuple[str, ...]:
    """``names`` if each is a number or names a user (group) of this host."""
    import grp
    import pwd

    lookup = pwd.getpwnam if kind == "user" else grp.getgrnam
    for name in names:
        if not name.isdigit():
            try:
                lookup(name)
            except KeyError:
                raise click.BadParameter(f"no {kind} named {name!r} on this host") from None
    return names


for command in (
    keys.keys, signing.sign, signing.verify, data.lock, data.unlock, data.random,
    wallet.wallet, wallet.slip39, boot.boot, sim.sim, led.led, perimeter.perimeter, log.log,
    selftest.selftest, store.store, authorization.auth, certificates.cert, certificates.csr,
    luks.luks_key, metrics.metrics, metrics.event,
):
    cli.add_command(command)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the ``softscm`` console script; ``argv`` for tests."""
    cli.main(args=list(argv) if argv is not None else None, prog_name="softscm")
