"""KL reversed: KL(student || teacher) instead of KL(teacher || student).
The original course shipped this direction; the expectation must be under the teacher. Grading must catch it."""
CELL = "compression-distill"
FIND = '''    kl = (p * (log_p - log_q)).sum() / student_logits.shape[0]'''
REPLACE = '''    kl = (log_q.exp() * (log_q - log_p)).sum() / student_logits.shape[0]'''
