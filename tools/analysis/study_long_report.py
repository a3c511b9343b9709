"""Report of the long-schedule study (placeholder until the tables land)."""


def write_report(results, st, out):
    return None
