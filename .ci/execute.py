"""Refresh the outputs stored in the notebooks (``make execute``).

Each notebook runs top to bottom in a fresh kernel, in its own folder, as
JupyterLab's Run All does. Code cells store their outputs, and markdown cells
store the values of their MyST inline expressions (``{eval}`expr```)
evaluated at that point of the run, in the cell's metadata under
``user_expressions``: the format jupyterlab-myst writes, so that a notebook
opened in JupyterLab shows its numbers before it is run. The book build
checks the stored values against the ones it computes (``book/_ext``).

A failing cell or expression stops with an error naming it. The kernel is
stopped at once when its notebook is done: a graceful shutdown of
ipykernel 7.4 sometimes hangs until it is killed 2.5 s later
(benchmarks/notebook_stalls.py).
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from pathlib import Path

import nbformat
from nbclient import NotebookClient

EVAL = re.compile(r"\{eval\}`([^`]+)`")


async def evaluate(client, expressions, timeout):
    """The kernel's results for ``expressions``, as jupyterlab-myst asks."""
    message_id = client.kc.execute(
        "",
        silent=False,
        store_history=False,
        user_expressions={str(i): e for i, e in enumerate(expressions)},
    )
    while True:
        reply = await client.kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == message_id:
            break
    content = reply["content"]
    if content["status"] != "ok":
        raise RuntimeError(f"the kernel refused the expressions: {content}")
    results = content["user_expressions"]
    return [
        {"expression": e, "result": results[str(i)]} for i, e in enumerate(expressions)
    ]


async def run(path, timeout):
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(
        notebook,
        timeout=timeout,
        kernel_name="python3",
        record_timing=False,
        shutdown_kernel="immediate",
        store_widget_state=False,
        resources={"metadata": {"path": str(path.parent)}},
    )
    async with client.async_setup_kernel():
        for index, cell in enumerate(notebook.cells):
            if cell.cell_type == "code":
                await client.async_execute_cell(cell, index)
            elif cell.cell_type == "markdown":
                expressions = EVAL.findall(cell.source)
                cell.metadata.pop("user_expressions", None)
                if not expressions:
                    continue
                stored = await evaluate(client, expressions, timeout)
                for entry in stored:
                    result, expression = entry["result"], entry["expression"]
                    if result["status"] != "ok":
                        raise RuntimeError(
                            f"{path.name}, cell {index}: {{eval}}`{expression}` "
                            f"failed: {result.get('ename')}: {result.get('evalue')}"
                        )
                cell.metadata["user_expressions"] = stored
    nbformat.write(notebook, path)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("--timeout", type=int, default=30, help="seconds per cell")
    args = parser.parse_args(argv)
    for path in args.notebooks:
        print(f"executing {path}", flush=True)
        asyncio.run(run(path.resolve(), args.timeout))


if __name__ == "__main__":
    sys.exit(main())
