"""int8 bytes without the per-row float32 scales. A size prediction that forgets metadata overstates the gain."""
CELL = "capstone-predict"
FIND = '''(4 * k_out if bits == 8 else 0)'''
REPLACE = '''0'''
