module github.com/accordchat/accord

go 1.26.8
