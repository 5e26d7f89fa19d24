"""merge lets occurrences overlap (advances one position after a match), so "aaa" becomes two merged tokens and the text grows bytes it never had."""
CELL = "tokenization-pairs"
FIND = '''            out.append(new_id)
            i += 2'''
REPLACE = '''            out.append(new_id)
            i += 1'''
