#!/usr/bin/env python3
"""The floor: read every host file once and parse it with libyaml (yaml.CSafeLoader).

This is what any tool that keeps one YAML file per host must at least do on a cold load.
    python bench/floor.py DIR
"""
import os
import sys

import yaml


def main() -> None:
    count = 0
    for folder, _dirs, files in os.walk(os.path.join(sys.argv[1], "hosts")):
        for name in files:
            if name.endswith(".yaml"):
                with open(os.path.join(folder, name), "rb") as f:
                    yaml.load(f.read(), Loader=yaml.CSafeLoader)
                count += 1
    print(count)


if __name__ == "__main__":
    main()
