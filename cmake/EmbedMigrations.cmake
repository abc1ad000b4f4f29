# Embeds migrations/NNNN_name.sql into the binary so `parley migrate` needs no
# files on disk. The generated source is rebuilt whenever a migration changes.
function(parley_embed_migrations dir out)
  file(GLOB sql_files CONFIGURE_DEPENDS ${dir}/*.sql)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -DDIR=${dir} -DOUT=${out} -P ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_migrations_script.cmake
    DEPENDS ${sql_files} ${CMAKE_CURRENT_FUNCTION_LIST_DIR}/embed_migrations_script.cmake
    COMMENT "Embedding SQL migrations")
endfunction()
