"""`progressbot teams-package`: the Teams app package (manifest + icons, zipped) to upload
in Teams (Apps → Manage your apps → Upload an app) or the Teams admin centre."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path
from typing import Annotated

import typer

from bot.cli.app import app
from bot.cli.common import CliError, JsonOpt, emit_json, out
from bot.settings import Settings

TEAMS_DIR = Path(__file__).resolve().parents[2] / "teams"  # beside manifest.yml
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+$")
# The Teams manifest schema's limits (v1.17).
LIMITS = {"short name": 30, "full name": 100, "short description": 80, "full description": 4000}


def build_manifest(
    client_id: str, *, version: str, developer: str, website: str, privacy: str, terms: str
) -> dict:
    if not _GUID.match(client_id or ""):
        raise CliError(
            "TEAMS_CLIENT_ID must be the bot's Azure application (client) id, a GUID such as "
            f"00000000-0000-0000-0000-000000000000; got {client_id or 'nothing'!r}",
            where="TEAMS_CLIENT_ID",
        )
    if not _VERSION.match(version):
        raise CliError(f"--version must look like 1.0.0, not {version!r}", where="--version")
    for opt, url in (
        ("--website-url", website),
        ("--privacy-url", privacy),
        ("--terms-url", terms),
    ):
        if not url.startswith("https://"):
            raise CliError(f"{opt} must be an https:// address (Teams requires it)", where=opt)
    text = (TEAMS_DIR / "manifest.json").read_text(encoding="utf-8")
    values = {
        "TEAMS_CLIENT_ID": client_id.lower(),
        "VERSION": version,
        "DEVELOPER": developer,
        "WEBSITE_URL": website,
        "PRIVACY_URL": privacy,
        "TERMS_URL": terms,
    }
    for key, value in values.items():
        text = text.replace("{{" + key + "}}", json.dumps(value)[1:-1])
    manifest = json.loads(text)
    checks = {
        "short name": manifest["name"]["short"],
        "full name": manifest["name"]["full"],
        "short description": manifest["description"]["short"],
        "full description": manifest["description"]["full"],
    }
    for what, value in checks.items():
        if len(value) > LIMITS[what]:
            raise CliError(f"the manifest's {what} is over {LIMITS[what]} characters")
    for cl in manifest["bots"][0]["commandLists"]:
        if len(cl["commands"]) > 10:
            raise CliError("a Teams command list holds at most 10 commands")
        for c in cl["commands"]:
            if len(c["title"]) > 32 or len(c["description"]) > 128:
                raise CliError(f"command {c['title']!r}: title ≤ 32, description ≤ 128 characters")
    return manifest


@app.command("teams-package")
def teams_package_cmd(
    out_file: Annotated[Path, typer.Option("--out", help="Where to write the .zip")],
    version: Annotated[str, typer.Option("--version", help="App version (x.y.z)")] = "1.0.0",
    developer: Annotated[
        str, typer.Option("--developer", help="Your organisation")
    ] = "NHS programme office",
    website: Annotated[str, typer.Option("--website-url")] = "https://example.org/progressbot",
    privacy: Annotated[
        str, typer.Option("--privacy-url")
    ] = "https://example.org/progressbot/privacy",
    terms: Annotated[str, typer.Option("--terms-url")] = "https://example.org/progressbot/terms",
    as_json: JsonOpt = False,
) -> None:
    """Build the Teams app package (manifest.json + icons) for TEAMS_CLIENT_ID."""
    settings = Settings()
    manifest = build_manifest(
        settings.teams_client_id,
        version=version,
        developer=developer,
        website=website,
        privacy=privacy,
        terms=terms,
    )
    if out_file.suffix.lower() != ".zip":
        raise CliError(f"--out must name a .zip file, not {out_file}", where="--out")
    try:
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with zipfile.ZipFile(out_file, "w", compression=zipfile.ZIP_DEFLATED) as z:
            z.writestr("manifest.json", json.dumps(manifest, indent=2, ensure_ascii=False))
            for icon in ("color.png", "outline.png"):
                z.write(TEAMS_DIR / icon, icon)
    except OSError as exc:
        raise CliError(f"--out: can't write {out_file}: {exc.strerror}", where="--out") from None
    if as_json:
        emit_json(
            {"file": str(out_file), "bot_id": manifest["bots"][0]["botId"], "version": version}
        )
        return
    out.print(f"Wrote {out_file} (bot {manifest['bots'][0]['botId']}, version {version}).")
    if "example.org" in website + privacy + terms:
        out.print(
            "Note: set --website-url, --privacy-url and --terms-url to your own pages "
            "before publishing beyond a test.",
            style="yellow",
        )
