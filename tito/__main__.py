"""`python -m tito ...` is the same as the `tito` console script."""
from tito.cli import main

if __name__ == "__main__":
    main()
