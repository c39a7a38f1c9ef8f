# Turn the "->LX_NAME value" markers of the compiled hvtramp/kbuild/offsets.c
# (.ascii lines of the .s) into #defines; a bare "->" is a blank line.
/^[[:space:]]*\.ascii[[:space:]]*"->"/{
	s/.*//
	p
	d
}
/^[[:space:]]*\.ascii[[:space:]]*"->LX_/{
	s/^[[:space:]]*\.ascii[[:space:]]*"->\(LX_[A-Za-z0-9_]*\) \(.*\)"[[:space:]]*\(!.*\)\{0,1\}$/#define \1 \2/
	s/\\"/"/g
	p
}
