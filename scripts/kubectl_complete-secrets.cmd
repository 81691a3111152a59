@echo off
rem kubectl (1.26+) runs this for `kubectl secrets <TAB>` on Windows: it answers
rem with kubectl-secrets' own completions in cobra's format.
kubectl-secrets.exe __complete %*
