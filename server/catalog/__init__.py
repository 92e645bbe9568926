"""The occupation catalog (国家职业分类大典 2022 plus organizers' local entries): one table, one lookup."""
