"""The PNG child process: Plotly figure JSON in (one request a line on stdin), base64 PNG out (one line each).

kaleido drives a browser; when that browser is missing, broken or hung, kaleido can wait for
ever. Running it here lets the parent (`nbtrack.ui.static`) give up after a deadline and kill
this process, so nothing in the user's kernel ever waits on a browser.
"""

from __future__ import annotations

import base64
import json
import sys
import warnings


def main() -> None:
    """Answer requests until stdin closes: {"figure", "width", "height"} -> {"png"} or {"error"}."""
    import plotly.io as pio

    warnings.simplefilter("ignore")
    server = False
    for line in sys.stdin:
        request = json.loads(line)
        try:
            png = pio.to_image(request["figure"], format="png", width=request["width"], height=request["height"])
            answer = {"png": base64.b64encode(png).decode("ascii")}
            if not server:  # a browser works: keep it running for the next images (~0.2 s each, not ~3 s)
                import kaleido

                kaleido.start_sync_server(silence_warnings=True)
                server = True
        except Exception as exc:  # no browser, a crashing one, ...: the parent stops asking
            answer = {"error": f"{type(exc).__name__}: {' '.join(str(exc).split())[:300]}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
