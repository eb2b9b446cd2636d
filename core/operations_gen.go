package core

var operationTable = []Operation{}
