"""The `cuewatch` command: analyze, record, eval, fit, eval-verbal (pipeline), serve, worker
(service).

Heavy modules are imported inside the subcommands so that `cuewatch serve` never loads
mediapipe into the API process.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

Handler = Callable[[argparse.Namespace], int]


def _add_analyze(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "analyze", help="analyse a recording; writes result.json, frames.csv, report.html"
    )
    p.add_argument("video")
    p.add_argument("--out", default="out", help="output directory (default: out)")
    p.add_argument("--fps", type=float, default=None, help="analysed frames per second (default 5)")
    p.add_argument("--participant", default="auto", help="auto | INDEX | x,y,w,h (normalised)")
    p.add_argument(
        "--window-s", type=float, default=None, help="window length in seconds (default 30)"
    )
    p.add_argument("--annotate", action="store_true", help="also write annotated.mp4")
    p.add_argument(
        "--transcript", default=None, help="the call's transcript: Zoom/Teams .vtt, .srt, .json"
    )
    p.add_argument(
        "--interviewer-speaker",
        dest="speaker",
        default=None,
        help="the interviewer's name in the transcript (default: who asks most questions)",
    )
    p.set_defaults(handler=_run("service.cli_pipeline", "analyze"))


def _add_record(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("record", help="save the landmarks of a recording as .npz")
    p.add_argument("video")
    p.add_argument("out", help="output .npz path")
    p.add_argument("--fps", type=float, default=None)
    p.add_argument("--participant", default="auto")
    p.add_argument(
        "--hands-every",
        type=int,
        default=None,
        help="also look for hands on every n-th frame (default: only while looking down)",
    )
    p.set_defaults(handler=_run("service.cli_pipeline", "record"))


def _add_eval(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("eval", help="score the pipeline against labelled clips")
    p.add_argument("data_dir")
    p.add_argument("--json", dest="json_out", default=None, help="also write the scores as JSON")
    p.add_argument("--fps", type=float, default=None)
    p.add_argument("--cache", default=None, help="directory of landmark recordings to reuse")
    p.add_argument(
        "--cv",
        action="store_true",
        help="also fit the fitted thresholds without each clip in turn (leave-one-clip-out)",
    )
    _add_label_options(p)
    p.set_defaults(handler=_run("service.cli_eval", "evaluate"))


def _add_label_options(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--project-labels",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also read the project's own labels in tests/data/labels (default: yes)",
    )


def _add_fit(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("fit", help="fit the fitted thresholds of PipelineConfig to labelled clips")
    p.add_argument("data_dir")
    p.add_argument("--json", dest="json_out", default=None, help="also write them as JSON")
    p.add_argument("--fps", type=float, default=None)
    p.add_argument("--cache", default=None, help="directory of landmark recordings to reuse")
    _add_label_options(p)
    p.set_defaults(handler=_run("service.cli_eval", "fit"))


def _add_eval_verbal(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "eval-verbal", help="score the verbal signs against labelled transcripts (DIR/labels)"
    )
    p.add_argument("data_dir")
    p.add_argument("--json", dest="json_out", default=None, help="also write the scores as JSON")
    p.add_argument("--errors", action="store_true", help="also list every cue scored wrong")
    p.add_argument(
        "--cv", action="store_true", help="also the fitted threshold cross-validated by transcript"
    )
    p.set_defaults(handler=_run("service.cli_verbal", "eval_verbal"))


def _add_serve(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("serve", help="run the HTTP API (embedded workers by default)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--data-dir", default=None)
    p.add_argument("--workers", type=int, default=None, help="embedded worker processes (0: none)")
    p.set_defaults(handler=_run("service.server", "serve_main"))


def _add_worker(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("worker", help="run a job worker (distributed mode)")
    p.add_argument("--data-dir", default=None)
    p.set_defaults(handler=_run("service.worker", "worker_main"))


def _add_db(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser("db", help="manage the job-state database")
    actions = p.add_subparsers(dest="action", required=True)
    upgrade = actions.add_parser("upgrade", help="bring the database to this version's schema")
    upgrade.add_argument("--data-dir", default=None)
    upgrade.set_defaults(handler=_run("service.db_command", "db_main"))


def _run(module: str, func: str) -> Handler:
    def handler(args: argparse.Namespace) -> int:
        import importlib

        result: int = getattr(importlib.import_module(module), func)(args)
        return result

    return handler


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cuewatch", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    adders = (_add_analyze, _add_record, _add_eval, _add_fit, _add_eval_verbal, _add_serve)
    for add in (*adders, _add_worker, _add_db):
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        code: int = args.handler(args)
    except KeyboardInterrupt:
        print("cuewatch: interrupted", file=sys.stderr)
        return 130
    return code


if __name__ == "__main__":
    sys.exit(main())
