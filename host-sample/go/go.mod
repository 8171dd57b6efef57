module mphost

go 1.19
