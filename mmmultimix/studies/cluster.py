"""Where a study's runs go: a private local Ray instance on this machine,
a running Ray cluster (``address`` or ``RAY_ADDRESS``), or, where Ray is
not installed, this process (:mod:`.engine` runs them). An address where
nothing listens fails at once with a message that names it (Ray itself
would retry for minutes)."""
import os
import socket

__all__ = ['check_address', 'connect', 'default_threads', 'ray_installed',
           'slots']


def check_address(address: str) -> None:
    """Raises ``ConnectionError`` naming ``address`` when nothing listens
    there (``host:port`` or ``ray://host:port``; ``auto`` is left to
    Ray, which fails at once when it finds no cluster)."""
    if address in ('auto', 'local'):
        return
    hostport = address.split('://', 1)[-1].rstrip('/')
    host, _, port = hostport.rpartition(':')
    if not host or not port.isdigit():
        raise ValueError(f'--address {address!r}: expected host:port (a '
                         "Ray head's GCS address, e.g. 10.0.0.1:6379), "
                         'ray://host:port or auto')
    try:
        socket.create_connection((host, int(port)), timeout=5).close()
    except OSError as e:
        raise ConnectionError(
            f'--address {address}: no Ray cluster answers there ({e}); '
            'start one with `ray start --head` on that machine, or omit '
            '--address (and unset RAY_ADDRESS) to run on this machine '
            'alone') from None


def connect(address: str = None, cpus: int = None):
    """The ``ray`` module, initialised: joins ``address`` (default
    ``RAY_ADDRESS``) when given, else starts a local instance with ``cpus``
    CPUs (default: this machine's cores; Ray finds its GPUs itself)."""
    os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')
    # Ray nices its workers (15) to protect its own daemons: a study's run
    # is the work itself, and a niced one starves beside any other process
    os.environ.setdefault('RAY_worker_niceness', '0')
    import ray
    if ray.is_initialized():
        return ray
    address = address or os.environ.get('RAY_ADDRESS') or None
    quiet = dict(log_to_driver=False, logging_level='ERROR',
                 configure_logging=True)
    if address:
        check_address(address)
        ray.init(address=address, **quiet)
    else:
        ray.init(address='local', num_cpus=cpus or cores(),
                 include_dashboard=False, object_store_memory=128 * 2**20,
                 **quiet)
    return ray


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover (not Linux)
        return os.cpu_count() or 1


def default_threads(n_jobs: int) -> int:
    """Torch threads of a run when ``n_jobs`` run at a time here: this
    machine's cores // ``n_jobs``, at most ``OMP_NUM_THREADS`` where the
    shell sets it (``OMP_NUM_THREADS=1 ... --jobs 1`` trains one run on one
    thread, as a study sharing the machine with other work should)."""
    n = max(1, cores() // max(1, n_jobs))
    env = os.environ.get('OMP_NUM_THREADS', '')
    return max(1, min(n, int(env))) if env.isdigit() and int(env) else n


def ray_installed(address: str = None) -> bool:
    """Whether the studies run as Ray tasks: Ray is importable. Without
    it the runs go in this process, unless a cluster ``address`` (or
    ``RAY_ADDRESS``) asks for Ray, which is then an error naming the
    install."""
    try:
        import ray  # noqa: F401
        return True
    except ImportError:
        if address or os.environ.get('RAY_ADDRESS'):
            raise ImportError(
                f'--address {address or os.environ["RAY_ADDRESS"]} needs Ray '
                '(pip install -e ".[studies]"); without it the runs go in '
                'this process, one after another') from None
        return False


def slots(n_jobs: int, threads: int, gpus: float, address: str = None):
    """``(ray, slots)``: the ``ray`` module connected for ``n_jobs`` runs of
    ``threads`` threads (the cluster at ``address``, default
    ``RAY_ADDRESS``, else this machine's own instance with ``n_jobs *
    threads`` CPUs, at least its cores) and the runs in flight at once: as
    many as the instance's CPUs (and GPU fractions) hold; on this machine's
    own instance at most ``n_jobs``. Without Ray: ``(None, 1)``."""
    address = address or os.environ.get('RAY_ADDRESS') or None
    if not ray_installed(address):
        return None, 1
    ray = connect(address, cpus=None if address else max(
        cores(), n_jobs * threads))
    res = ray.cluster_resources()
    n = int(res.get('CPU', 1) // threads)
    if gpus:
        n = min(n, int(res.get('GPU', 0) / gpus + 1e-9))
    if not address:
        n = min(n, n_jobs)
    return ray, max(1, n)
