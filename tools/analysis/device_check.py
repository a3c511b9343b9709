"""Every mixer and variant trains on a device (both layouts), and MultiMix
+ dense + distil in fp16 (loss scaling, CUDA) and bf16; ``--tiny`` runs
the same on the CPU at tiny sizes. The library: ``mmmultimix.benchmark.
device_check``.

    python tools/analysis/device_check.py --device cuda --out device_check.md
"""
import os.path as osp
import sys

sys.path.insert(0, osp.dirname(osp.dirname(osp.dirname(osp.abspath(
    __file__)))))

if __name__ == '__main__':
    from mmmultimix.benchmark.device_check import main
    main()
