"""What paper configs cost on a GPU, estimated on this CPU: FLOPs per step,
H100 seconds per epoch (calibrated on the measured ResNet-50 throughput),
memory per GPU (a lower bound) and checkpoint size, as a Markdown table
(the GPU runbook's). How each figure is made: ``mmmultimix/benchmark/cost.py``.

    python tools/analysis/estimate_cost.py \
        configs/multimix/r18_cifar100_multimix.py ...
"""
import argparse
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('configs', nargs='+')
    args = parser.parse_args(argv)
    import torch
    from mmengine.config import Config

    import mmmultimix  # noqa: F401  (registers the modules)
    from mmmultimix.benchmark.cost import (CALIBRATION, H100_R50_IMG_S,
                                           config_cost, format_costs)
    from mmmultimix.benchmark.speed import quiet_logs
    quiet_logs()
    torch.set_grad_enabled(True)
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    calib = config_cost(Config.fromfile(osp.join(root, CALIBRATION)))
    rows = [(osp.splitext(osp.basename(path))[0],
             config_cost(Config.fromfile(path), calibration=calib))
            for path in args.configs]
    print(format_costs(rows))
    gflops = calib['flops_per_step'] / 1e9
    print(f"\nrate: {osp.basename(CALIBRATION)}, {gflops:,.0f}"
          f" GFLOPs a step at {H100_R50_IMG_S} img/s (measured, H100 fp32, "
          f"m = {calib['batch']}) = {calib['flops_per_s'] / 1e12:.1f} TFLOP/s")


if __name__ == '__main__':
    main()
