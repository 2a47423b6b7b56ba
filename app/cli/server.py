"""``kho serve`` and ``kho worker``: the web server and the job consumer."""
from __future__ import annotations

import sys

import click

from app.cli.common import CliState, _, handle_errors, pass_state


@click.command("serve")
@click.option("--host", default=None, help="Address to listen on (default from settings).")
@click.option("--port", type=int, default=None, help="Port (default 8000).")
@click.option("--workers", type=int, default=2, show_default=True,
              help="Web worker processes.")
@click.option("--threads", type=int, default=4, show_default=True,
              help="Threads per web worker.")
@click.option("--no-worker", is_flag=True,
              help="Do not start a job consumer beside the server (use 'kho worker').")
@pass_state
@handle_errors
def serve_cmd(state: CliState, host: str | None, port: int | None, workers: int, threads: int,
              no_worker: bool) -> None:
    """Serve Kho with a production WSGI server (gunicorn) and a job consumer."""
    from app.services.instance import jobs
    from app.services.instance.setup import require_current_schema
    from app.wsgi_server import serve
    from ingest import children

    kho = state.kho()
    require_current_schema(kho)      # fail here, not on the first write
    from app.metrics import prepare_multiprocess

    prepare_multiprocess(kho.settings.instance / "metrics")   # one /metrics for all workers
    from app.services.instance.consumer import Supervisor, state_path

    supervisor = None
    state_path(kho.settings).unlink(missing_ok=True)   # a killed server's report
    if not no_worker:
        args = [sys.executable, "-m", "app", "--lang", state.lang]
        if state.instance:
            args += ["--instance", state.instance]
        # the consumer ends with this process, even on kill -9 (no orphan consumer
        # beside the next server's); it recovers what was left itself, and is started
        # again when it dies (reported in /healthz meanwhile)
        supervisor = Supervisor(kho.settings, args + ["worker"], children.start).start()
    else:
        _clean_leftovers(kho)
        _report_recovered(jobs.send_waiting(kho))
    from app.services.search import sync

    # a search reader copies the writer's generations into its index folder
    follower = sync.Follower(kho).start() if sync.role(kho) == sync.READER else None
    host = host or kho.settings.host
    port = port or kho.settings.port
    click.echo(_("Serving on http://%(host)s:%(port)s") % {"host": host, "port": port})
    try:
        serve(kho.settings, host=host, port=port, workers=workers, threads=threads)
    finally:
        if follower is not None:
            follower.stop()
        if supervisor is not None:
            supervisor.stop()


@click.command("worker")
@click.option("--workers", type=int, default=None, help="Parallel jobs (default: settings).")
@pass_state
@handle_errors
def worker_cmd(state: CliState, workers: int | None) -> None:
    """Run a job consumer: processes uploads and index updates until stopped.

    On start, and every few seconds while it runs, it sends jobs that waited for the
    queue and re-queues work of a consumer that died (kill -9): a file whose claim
    was not renewed for ``job_lease_seconds``.
    """
    from app.services.instance import jobs
    from app.services.instance.setup import require_current_schema

    from app.services.instance.sweeper import Sweeper

    kho = state.kho()
    require_current_schema(kho)
    from app.logs import setup_logging

    setup_logging(kho.settings.log_format)   # the audit's and the jobs' log lines
    jobs.register_all(kho)
    _clean_leftovers(kho)
    _report_recovered(jobs.recover_unfinished(kho))
    consumer = kho.queue.consumer(workers or kho.settings.queue_workers)
    click.echo(_("Worker started on %s") % kho.queue.description)
    sweeper = Sweeper(kho).start()   # outbox, dead consumers' files, lost flushes
    try:
        consumer.run()
    finally:
        sweeper.stop()


def _clean_leftovers(kho) -> None:
    from app.services.common import leftovers

    removed = leftovers.clean(kho)
    if removed.count:
        click.echo(_("Removed %(n)d leftovers of stopped processes (%(size)d bytes)")
                   % {"n": removed.count, "size": removed.size})
    if removed.uploads:
        click.echo(_("Aborted %d incomplete S3 uploads of stopped processes")
                   % len(removed.uploads))


def _report_recovered(count: int) -> None:
    if count:
        click.echo(_("Re-queued %d unfinished jobs") % count)

