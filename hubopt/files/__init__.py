"""Writing files safely: atomic replacement, cell text for CSV/XLSX, and the output folders a run or build owns."""
