"""Which board, and so which architecture, a config builds for; and the
Kconfig values to build it with. For the Makefile:

    python3 -m tessera_gen.which CONFIG DOTCONFIG
        prints "BOARD ARCH KBOARD": the board the config names (`board`),
        or, for an ArceOS-format VM file (no board), KBOARD; its
        architecture; and KBOARD, the board DOTCONFIG selects (Kconfig's
        default if there is no DOTCONFIG yet). Nothing if the config cannot
        be read: the generator then says why.

    python3 -m tessera_gen.which --board-config BOARD DOTCONFIG OUT
        writes OUT: DOTCONFIG with BOARD chosen, every other option as
        DOTCONFIG has it where it still applies (olddefconfig). OUT keeps
        its timestamp when its content is the same.

The architecture follows from the board (board.toml `arch`); a config naming
another board than .config selects builds with such a copy of .config
(docs/configuration.md, "Board and architecture").
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def board_symbol(kconf, board):
    """The Kconfig choice symbol that selects boards/<board>."""
    name = "BOARD_" + board.upper().replace("-", "_")
    return kconf.syms.get(name)


def which(config, dotconfig):
    from .load import read_file
    from .errors import ConfigError
    try:
        data = read_file(config)
    except ConfigError:
        return None
    board = data.get("board") if isinstance(data, dict) else None
    kboard = kconfig_board(dotconfig)
    if not isinstance(board, str):
        if not isinstance(data, dict) or "base" not in data:
            return None
        board = kboard
    if not board or not board.replace("-", "").replace("_", "").isalnum():
        return None
    toml = ROOT / "boards" / board / "board.toml"
    try:
        arch = read_file(toml).get("arch")
    except ConfigError:
        return None
    return (board, arch, kboard) if isinstance(arch, str) and kboard else None


def kconfig_board(dotconfig):
    """CONFIG_BOARD of dotconfig, or Kconfig's default board."""
    path = Path(dotconfig)
    if path.is_file():
        for line in path.read_text(errors="replace").splitlines():
            if line.startswith('CONFIG_BOARD="') and line.endswith('"'):
                return line[len('CONFIG_BOARD="'):-1]
    import kconfiglib
    kconf = kconfiglib.Kconfig(str(ROOT / "Kconfig"), warn=False)
    return kconf.syms["BOARD"].str_value


def board_config(board, dotconfig, out):
    import kconfiglib
    kconf = kconfiglib.Kconfig(str(ROOT / "Kconfig"), warn=False)
    if Path(dotconfig).is_file():
        kconf.load_config(str(dotconfig))
    sym = board_symbol(kconf, board)
    if sym is None:
        print(f"error: Kconfig: no BOARD_{board.upper().replace('-', '_')} for board {board}; "
              "add it to the Board choice (docs/porting.md)", file=sys.stderr)
        return 1
    sym.set_value(2)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".new")
    kconf.write_config(str(tmp), header="# .config with board " + board + ": made by make (tessera_gen.which)\n",
                       save_old=False)
    if out.is_file() and out.read_bytes() == tmp.read_bytes():
        tmp.unlink()
    else:
        tmp.replace(out)
    return 0


def main(argv):
    if argv[:1] == ["--board-config"] and len(argv) == 4:
        return board_config(*argv[1:])
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    found = which(*argv)
    if found:
        print(*found)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
