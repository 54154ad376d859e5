#!/usr/bin/env python3
"""Julia set generator: a Python 3 port of the reference program.

This is Example 2-1 .. 2-4 of "High Performance Python" (Gorelick & Ozsvald,
2014), chapter 2, "Profiling to Find Bottlenecks": calc_pure_python and
calculate_z_serial_purepython, unchanged in arithmetic and in the order of
operations. Only the Python 2 prints became Python 3 calls, and a small
command line was added so the program can write the grid (one image row per
line, counts separated by single spaces) and run other sizes.

It is the pure-Python comparison point of kernel/bench, and it produced
golden/julia-1000x300.out (see golden/README.md).

usage: reference.py [--width N] [--iterations N] [--output FILE]
"""
import argparse
import sys
import time

# area of complex space to investigate
x1, x2, y1, y2 = -1.8, 1.8, -1.8, 1.8
c_real, c_imag = -0.62772, -.42193


def calculate_z_serial_purepython(maxiter, zs, cs):
    """Calculate output list using Julia update rule"""
    output = [0] * len(zs)
    for i in range(len(zs)):
        n = 0
        z = zs[i]
        c = cs[i]
        while abs(z) < 2 and n < maxiter:
            z = z * z + c
            n += 1
        output[i] = n
    return output


def calc_pure_python(desired_width, max_iterations, output_path=None):
    """Create a list of complex coordinates (zs) and complex
    parameters (cs), build Julia set, and display"""
    x_step = (float(x2 - x1) / float(desired_width))
    y_step = (float(y1 - y2) / float(desired_width))
    x = []
    y = []
    ycoord = y2
    while ycoord > y1:
        y.append(ycoord)
        ycoord += y_step
    xcoord = x1
    while xcoord < x2:
        x.append(xcoord)
        xcoord += x_step
    # Build a list of coordinates and the initial condition for each cell.
    # Note that our initial condition is a constant and could easily be removed;
    # we use it to simulate a real-world scenario with several inputs to
    # our function.
    zs = []
    cs = []
    for ycoord in y:
        for xcoord in x:
            zs.append(complex(xcoord, ycoord))
            cs.append(complex(c_real, c_imag))

    print("Length of x:", len(x))
    print("Total elements:", len(zs))
    start_time = time.time()
    output = calculate_z_serial_purepython(max_iterations, zs, cs)
    end_time = time.time()
    secs = end_time - start_time
    print(calculate_z_serial_purepython.__name__ + " took", secs, "seconds")

    # This sum is expected for a 1000^2 grid with 300 iterations.
    # It catches minor errors we might introduce when we're
    # working on a fixed set of inputs.
    if desired_width == 1000 and max_iterations == 300:
        assert sum(output) == 33219980
    print("sum=%d" % sum(output))

    if output_path:
        cols = len(x)
        with open(output_path, "w") as f:
            for r in range(len(y)):
                row = output[r * cols:(r + 1) * cols]
                f.write(" ".join(str(v) for v in row))
                f.write("\n")


if __name__ == "__main__":
    # Calculate the Julia set using a pure Python solution with
    # reasonable defaults for a laptop
    ap = argparse.ArgumentParser(description="pure-Python Julia set (reference)")
    ap.add_argument("--width", type=int, default=1000)
    ap.add_argument("--iterations", type=int, default=300)
    ap.add_argument("--output", default=None)
    args = ap.parse_args()
    if args.width <= 0 or args.iterations < 0:
        sys.exit("reference.py: width must be > 0 and iterations >= 0")
    calc_pure_python(desired_width=args.width, max_iterations=args.iterations,
                     output_path=args.output)
